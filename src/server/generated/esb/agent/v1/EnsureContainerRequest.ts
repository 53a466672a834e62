// Original file: proto/esb/agent/v1/agent.proto


export interface EnsureContainerRequest {
  'function_name'?: (string);
  'image'?: (string);
  'env'?: ({[key: string]: string});
  'owner_id'?: (string);
}

export interface EnsureContainerRequest__Output {
  'function_name': (string);
  'image': (string);
  'env': ({[key: string]: string});
  'owner_id': (string);
}
