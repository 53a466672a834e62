// Original file: proto/esb/agent/v1/agent.proto


export interface GetContainerMetricsRequest {
  'containerId'?: (string);
  'ownerId'?: (string);
}

export interface GetContainerMetricsRequest__Output {
  'containerId': (string);
  'ownerId': (string);
}
