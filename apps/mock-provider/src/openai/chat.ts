import type { Route } from '../dialect';
import { nextId } from '../ids';
import { parseChatRequest } from './chat-request';
import { planChatReply } from './chat-reply';
import { closingChunks, renderChunks, renderCompletion, type ChatEnvelope } from './chat-wire';

/** `POST /v1/chat/completions`, streamed or not. */
export const chatCompletionsRoute: Route = {
  name: 'openai.chat.completions',
  method: 'POST',
  path: '/v1/chat/completions',
  accept(body) {
    const req = parseChatRequest(body);
    return {
      model: req.model,
      respond(x) {
        const reply = planChatReply(req, x.behavior.chunks);
        const callIds: string[] = [];
        if (reply.toolName !== undefined) for (let i = 0; i < req.n; i++) callIds.push(nextId('call_'));
        const envelope: ChatEnvelope = {
          id: nextId('chatcmpl-'),
          created: Math.floor(Date.now() / 1000),
          model: req.model,
          n: req.n,
          callIds,
        };
        if (req.stream) x.events(renderChunks(reply, envelope, req.includeUsage), { closing: closingChunks(envelope, req.includeUsage) });
        else x.json({ status: 200, body: renderCompletion(reply, envelope) });
      },
    };
  },
};
