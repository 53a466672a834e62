// Original file: proto/esb/agent/v1/agent.proto


export interface DestroyContainerRequest {
  'functionName'?: (string);
  'containerId'?: (string);
  'ownerId'?: (string);
}

export interface DestroyContainerRequest__Output {
  'functionName': (string);
  'containerId': (string);
  'ownerId': (string);
}
