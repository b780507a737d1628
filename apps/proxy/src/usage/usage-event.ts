import type { Deployment, Principal, UsageRecorded, UsageSource } from '@aigw/contracts';
import type { Operation, TokenUsage } from '@aigw/providers';
import type { RequestContext } from '../http/request-context';

const operationNames: Readonly<Record<Operation, UsageRecorded['operation']>> = {
  chat: 'chat.completions',
  embeddings: 'embeddings',
  responses: 'responses',
  messages: 'messages',
};

/**
 * The usage event of a request that reached an upstream, built when its response is over. `billed` is
 * the usage to bill and where it came from (see `billedUsage`).
 */
export function usageEventOf(
  ctx: RequestContext & { principal: Principal; model: string; deployment: Deployment },
  operation: Operation,
  outcome: { status: number; incomplete: boolean; latencyMs: number },
  billed: { usage: TokenUsage | undefined; source: UsageSource; traceId?: string },
): UsageRecorded {
  const { deployment } = ctx;
  const { usage } = billed;
  return {
    v: 1,
    id: ctx.id,
    ts: new Date().toISOString(),
    tenantId: ctx.principal.tenantId,
    keyId: ctx.principal.keyId,
    model: ctx.model,
    servedModel: deployment.model,
    provider: deployment.provider,
    deploymentId: deployment.id,
    operation: operationNames[operation],
    stream: ctx.stream,
    status: outcome.status,
    incomplete: outcome.incomplete,
    promptTokens: usage?.promptTokens ?? 0,
    completionTokens: usage?.completionTokens ?? 0,
    cachedTokens: usage?.cachedTokens ?? 0,
    reasoningTokens: usage?.reasoningTokens ?? 0,
    usageSource: billed.source,
    ...(billed.traceId ? { traceId: billed.traceId } : {}),
    latencyMs: outcome.latencyMs,
    ttftMs: ctx.firstByteMs ?? null,
  };
}
