// Original file: proto/esb/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ContainerState {
  'containerId'?: (string);
  'functionName'?: (string);
  'status'?: (string);
  'lastUsedAt'?: (number | string | Long);
  'containerName'?: (string);
  'createdAt'?: (number | string | Long);
  'ownerId'?: (string);
}

export interface ContainerState__Output {
  'containerId': (string);
  'functionName': (string);
  'status': (string);
  'lastUsedAt': (string);
  'containerName': (string);
  'createdAt': (string);
  'ownerId': (string);
}
