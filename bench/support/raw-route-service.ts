/**
 * The method of the control benchmark's raw baseline (bench/support/raw-route-server.ts): one bidirectional stream,
 * AgentMessage in and ControlMessage out, serialised with the generated ts-proto codecs the control service uses.
 */
import type { ServiceDefinition } from '@grpc/grpc-js';
import { agentProto } from '#libs/proto';

export const RAW_ROUTE_SERVICE = {
  session: {
    path: '/bench.RawRoutes/Session',
    requestStream: true,
    responseStream: true,
    requestSerialize: (value: agentProto.AgentMessage): Buffer => Buffer.from(agentProto.AgentMessage.encode(value).finish()),
    requestDeserialize: (value: Buffer): agentProto.AgentMessage => agentProto.AgentMessage.decode(value),
    responseSerialize: (value: agentProto.ControlMessage): Buffer => Buffer.from(agentProto.ControlMessage.encode(value).finish()),
    responseDeserialize: (value: Buffer): agentProto.ControlMessage => agentProto.ControlMessage.decode(value),
    originalName: 'session',
  },
} satisfies ServiceDefinition;
