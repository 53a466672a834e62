// Original file: proto/esb/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ContainerMetrics {
  'containerId'?: (string);
  'functionName'?: (string);
  'containerName'?: (string);
  'state'?: (string);
  'memoryCurrent'?: (number | string | Long);
  'memoryMax'?: (number | string | Long);
  'oomEvents'?: (number | string | Long);
  'cpuUsageNs'?: (number | string | Long);
  'exitCode'?: (number);
  'restartCount'?: (number);
  'exitTime'?: (number | string | Long);
  'collectedAt'?: (number | string | Long);
}

export interface ContainerMetrics__Output {
  'containerId': (string);
  'functionName': (string);
  'containerName': (string);
  'state': (string);
  'memoryCurrent': (string);
  'memoryMax': (string);
  'oomEvents': (string);
  'cpuUsageNs': (string);
  'exitCode': (number);
  'restartCount': (number);
  'exitTime': (string);
  'collectedAt': (string);
}
