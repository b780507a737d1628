import type { UsageRecorded } from '@aigw/contracts';
import { GenAiAttr, type Span } from '@aigw/telemetry';

/** What a consumed usage event says, on the span that aggregates it: ids, models and tokens, no content. */
export function describeUsage(span: Span, event: UsageRecorded): void {
  if (!span.isRecording()) return;
  span.setAttributes({
    'aigw.request.id': event.id,
    'aigw.tenant.id': event.tenantId,
    'aigw.deployment.id': event.deploymentId,
    'aigw.provider': event.provider,
    'aigw.usage.source': event.usageSource,
    [GenAiAttr.operationName]: event.operation,
    [GenAiAttr.requestModel]: event.model,
    [GenAiAttr.responseModel]: event.servedModel,
    [GenAiAttr.usageInputTokens]: event.promptTokens,
    [GenAiAttr.usageOutputTokens]: event.completionTokens,
  });
}
