import type { RoutingDocument } from '@aigw/config';
import { InvalidRequestError, ModelNotFoundError, type Deployment, type RouteRequest, type RouteResponse, type RouteFeatures } from '@aigw/contracts';
import type { PriceTable } from '@aigw/pricing';
import { buildCatalogue, type Catalogue, type CatalogueEntry, type Member } from './catalogue';
import { createClassifier, type Classifier } from './classify/request-classifier';
import type { HealthBoard } from './health/health-board';
import { headroom, newAliasState, strategies, type AliasState, type StrategyContext } from './strategies';

/** One routing configuration, compiled. */
interface Compiled {
  doc: RoutingDocument;
  catalogue: Catalogue;
  /** Each alias, then its fallbacks and theirs, breadth first, each once. */
  chains: ReadonlyMap<string, CatalogueEntry[]>;
  classifier: Classifier;
}

/** Deployments of one alias of the chain, sorted into what to try and in which order. */
interface Segment {
  /** A half-open deployment given this request as its probe. */
  probe: Member | undefined;
  /** Healthy, with capacity to spare and room for the request, as the alias's strategy orders them. */
  ready: Member[];
  /** Usable but short of capacity, too small for the request, or half-open with no probe slot left. */
  strained: Member[];
  /** Circuit open or cooling down after a 429: offered only when nothing else is. */
  down: Member[];
}

/**
 * Decides where each request goes: the alias's deployments that are healthy and have room, ordered by the
 * alias's strategy, then the strained ones, then the same for each fallback alias; deployments that are
 * down are offered only when nothing else is. A half-open deployment takes the request first as its probe.
 */
export class RoutePlanner {
  readonly #board: HealthBoard;
  readonly #prices: PriceTable;
  #compiled: Compiled;
  #states = new Map<string, AliasState>();
  #probeTokens = 0;
  readonly #health = (deploymentId: string) => this.#board.of(deploymentId);

  constructor(doc: RoutingDocument, board: HealthBoard, prices: PriceTable) {
    this.#board = board;
    this.#prices = prices;
    this.#compiled = compile(doc);
  }

  get catalogue(): Catalogue {
    return this.#compiled.catalogue;
  }

  get doc(): RoutingDocument {
    return this.#compiled.doc;
  }

  /** Puts a new configuration in force for the next decision; throws (keeping the old one) if it does not compile. */
  setConfig(doc: RoutingDocument): void {
    this.#compiled = compile(doc);
    this.#states = new Map();
    this.#board.retain(new Set(Object.keys(doc.deployments)));
  }

  route(request: RouteRequest): RouteResponse {
    const { catalogue, chains, classifier, doc } = this.#compiled;
    const entry = catalogue.get(request.model);
    if (!entry) throw new ModelNotFoundError(request.model);
    const features = request.features ?? {};
    const requestClass = entry.strategy === 'auto' ? classifier.classify(features) : undefined;
    const now = this.#board.now();
    const token = request.requestId ?? `route-${(this.#probeTokens += 1)}`;

    let linkClass = requestClass;
    const seen = new Set<string>();
    const candidates: Deployment[] = [];
    const down: Array<{ member: Member; alias: string | undefined }> = [];
    for (const link of chains.get(entry.alias)!) {
      const alias = link === entry ? undefined : link.alias;
      const segment = this.#segment(link, features, now, token, seen);
      const ctx: StrategyContext = {
        features,
        requestClass: link.strategy === 'auto' ? (linkClass ??= classifier.classify(features)) : 'general',
        preferences: link.preferences,
        health: this.#health,
        settings: doc.routing,
        prices: this.#prices,
        state: this.#stateOf(link.alias),
        now,
      };
      if (segment.probe) candidates.push(offer(segment.probe, alias));
      if (segment.ready.length > 0) for (const member of strategies[link.strategy](segment.ready, ctx)) candidates.push(offer(member, alias));
      for (const member of segment.strained) candidates.push(offer(member, alias));
      for (const member of segment.down) down.push({ member, alias });
    }
    if (candidates.length === 0) {
      const reopens = (m: Member) => {
        const h = this.#board.of(m.deployment.id);
        return Math.max(h.breaker.record.until, h.coolingUntil);
      };
      down.sort((a, b) => reopens(a.member) - reopens(b.member));
      candidates.push(...down.map(({ member, alias }) => offer(member, alias)));
    }
    if (candidates.length === 0) {
      const wanted = Object.entries(features.tags ?? {}).map(([k, v]) => `${k}=${v}`);
      throw new InvalidRequestError(`No deployment of the model '${request.model}' carries the tags ${wanted.join(', ')}.`, 'model');
    }
    if (request.requestId) this.#board.reserve(request.requestId, candidates[0]!.id);
    return requestClass ? { alias: entry.alias, candidates, class: requestClass } : { alias: entry.alias, candidates };
  }

  #segment(entry: CatalogueEntry, features: RouteFeatures, now: number, token: string, seen: Set<string>): Segment {
    const segment: Segment = { probe: undefined, ready: [], strained: [], down: [] };
    const strain = new Map<Member, [number, number]>();
    const need = (features.promptTokens ?? 0) + (features.maxTokens ?? 0);
    const minHeadroom = this.#compiled.doc.routing.capacity.minHeadroom;
    for (const member of entry.members) {
      const id = member.deployment.id;
      if (seen.has(id) || !carriesTags(member, features.tags)) continue;
      seen.add(id);
      const health = this.#board.of(id);
      const standing = health.standing(now);
      if (standing === 'open' || standing === 'cooling') {
        segment.down.push(member);
        continue;
      }
      const fits = member.contextWindow === undefined || need <= member.contextWindow ? 0 : 1;
      const room = headroom(member, health.use(now));
      if (standing === 'half_open') {
        if (!segment.probe && health.breaker.tryProbe(now, token)) segment.probe = member;
        else segment.strained.push(member);
      } else if (fits === 0 && room >= minHeadroom) {
        segment.ready.push(member);
        continue;
      } else {
        segment.strained.push(member);
      }
      strain.set(member, [fits, -room]);
    }
    // Stable: ties stay in priority order. Members that fit the request first, then those with most room.
    segment.strained.sort((a, b) => strain.get(a)![0] - strain.get(b)![0] || strain.get(a)![1] - strain.get(b)![1]);
    return segment;
  }

  #stateOf(alias: string): AliasState {
    let state = this.#states.get(alias);
    if (!state) {
      state = newAliasState();
      this.#states.set(alias, state);
    }
    return state;
  }
}

function compile(doc: RoutingDocument): Compiled {
  const catalogue = buildCatalogue(doc);
  const chains = new Map([...catalogue.values()].map((entry) => [entry.alias, chainOf(entry, catalogue)]));
  return { doc, catalogue, chains, classifier: createClassifier(doc.routing.classes) };
}

/** The alias, then its fallbacks and theirs, breadth first, each once. */
function chainOf(entry: CatalogueEntry, catalogue: Catalogue): CatalogueEntry[] {
  const chain = [entry];
  const named = new Set([entry.alias]);
  for (let i = 0; i < chain.length; i += 1) {
    for (const alias of chain[i]!.fallbacks) {
      const next = catalogue.get(alias);
      if (next && !named.has(alias)) {
        named.add(alias);
        chain.push(next);
      }
    }
  }
  return chain;
}

function carriesTags(member: Member, tags: Readonly<Record<string, string>> | undefined): boolean {
  if (!tags) return true;
  return Object.entries(tags).every(([key, value]) => Object.hasOwn(member.tags, key) && member.tags[key] === value);
}

/** The deployment as offered; a fallback alias's carries the alias it serves. */
function offer(member: Member, alias: string | undefined): Deployment {
  return alias === undefined ? member.deployment : { ...member.deployment, alias };
}
