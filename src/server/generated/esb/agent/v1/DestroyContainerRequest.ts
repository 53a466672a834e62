// Original file: proto/esb/agent/v1/agent.proto


export interface DestroyContainerRequest {
  'function_name'?: (string);
  'container_id'?: (string);
  'owner_id'?: (string);
}

export interface DestroyContainerRequest__Output {
  'function_name': (string);
  'container_id': (string);
  'owner_id': (string);
}
