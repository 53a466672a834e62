// Original file: proto/esb/agent/v1/agent.proto


export interface ResumeContainerResponse {
  'success'?: (boolean);
}

export interface ResumeContainerResponse__Output {
  'success': (boolean);
}
