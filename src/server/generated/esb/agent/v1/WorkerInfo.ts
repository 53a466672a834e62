// Original file: proto/esb/agent/v1/agent.proto


export interface WorkerInfo {
  'id'?: (string);
  'name'?: (string);
  'ipAddress'?: (string);
  'port'?: (number);
}

export interface WorkerInfo__Output {
  'id': (string);
  'name': (string);
  'ipAddress': (string);
  'port': (number);
}
