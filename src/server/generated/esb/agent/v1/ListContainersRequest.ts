// Original file: proto/esb/agent/v1/agent.proto


export interface ListContainersRequest {
  'ownerId'?: (string);
}

export interface ListContainersRequest__Output {
  'ownerId': (string);
}
