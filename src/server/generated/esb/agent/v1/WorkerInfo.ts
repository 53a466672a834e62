// Original file: proto/esb/agent/v1/agent.proto


export interface WorkerInfo {
  'id'?: (string);
  'name'?: (string);
  'ip_address'?: (string);
  'port'?: (number);
}

export interface WorkerInfo__Output {
  'id': (string);
  'name': (string);
  'ip_address': (string);
  'port': (number);
}
