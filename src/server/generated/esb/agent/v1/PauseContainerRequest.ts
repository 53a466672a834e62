// Original file: proto/esb/agent/v1/agent.proto


export interface PauseContainerRequest {
  'containerId'?: (string);
  'ownerId'?: (string);
}

export interface PauseContainerRequest__Output {
  'containerId': (string);
  'ownerId': (string);
}
