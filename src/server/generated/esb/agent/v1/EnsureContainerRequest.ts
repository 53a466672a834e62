// Original file: proto/esb/agent/v1/agent.proto


export interface EnsureContainerRequest {
  'functionName'?: (string);
  'image'?: (string);
  'env'?: ({[key: string]: string});
  'ownerId'?: (string);
}

export interface EnsureContainerRequest__Output {
  'functionName': (string);
  'image': (string);
  'env': ({[key: string]: string});
  'ownerId': (string);
}
