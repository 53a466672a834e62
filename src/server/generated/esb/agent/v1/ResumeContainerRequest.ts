// Original file: proto/esb/agent/v1/agent.proto


export interface ResumeContainerRequest {
  'containerId'?: (string);
  'ownerId'?: (string);
}

export interface ResumeContainerRequest__Output {
  'containerId': (string);
  'ownerId': (string);
}
