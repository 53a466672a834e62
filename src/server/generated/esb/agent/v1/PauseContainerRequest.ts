// Original file: proto/esb/agent/v1/agent.proto


export interface PauseContainerRequest {
  'container_id'?: (string);
  'owner_id'?: (string);
}

export interface PauseContainerRequest__Output {
  'container_id': (string);
  'owner_id': (string);
}
