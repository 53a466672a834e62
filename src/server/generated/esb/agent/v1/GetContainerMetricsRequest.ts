// Original file: proto/esb/agent/v1/agent.proto


export interface GetContainerMetricsRequest {
  'container_id'?: (string);
  'owner_id'?: (string);
}

export interface GetContainerMetricsRequest__Output {
  'container_id': (string);
  'owner_id': (string);
}
