// Original file: proto/esb/agent/v1/agent.proto


export interface ListContainersRequest {
  'owner_id'?: (string);
}

export interface ListContainersRequest__Output {
  'owner_id': (string);
}
