// Original file: proto/esb/agent/v1/agent.proto


export interface ResumeContainerRequest {
  'container_id'?: (string);
  'owner_id'?: (string);
}

export interface ResumeContainerRequest__Output {
  'container_id': (string);
  'owner_id': (string);
}
