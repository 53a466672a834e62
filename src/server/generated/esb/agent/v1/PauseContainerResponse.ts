// Original file: proto/esb/agent/v1/agent.proto


export interface PauseContainerResponse {
  'success'?: (boolean);
}

export interface PauseContainerResponse__Output {
  'success': (boolean);
}
