// Original file: proto/esb/agent/v1/agent.proto


export interface DestroyContainerResponse {
  'success'?: (boolean);
}

export interface DestroyContainerResponse__Output {
  'success': (boolean);
}
