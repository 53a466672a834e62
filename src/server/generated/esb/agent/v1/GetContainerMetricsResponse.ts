// Original file: proto/esb/agent/v1/agent.proto

import type { ContainerMetrics as _esb_agent_v1_ContainerMetrics, ContainerMetrics__Output as _esb_agent_v1_ContainerMetrics__Output } from '../../../esb/agent/v1/ContainerMetrics.js';

export interface GetContainerMetricsResponse {
  'metrics'?: (_esb_agent_v1_ContainerMetrics | null);
}

export interface GetContainerMetricsResponse__Output {
  'metrics': (_esb_agent_v1_ContainerMetrics__Output | null);
}
