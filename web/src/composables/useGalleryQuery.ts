import { computed } from 'vue';
import { useRoute, useRouter, type LocationQuery } from 'vue-router';
import type { GalleryFilters, GallerySort } from '../api/characters.api';

const SORTS: GallerySort[] = ['relevance', 'newest', 'name', 'anime', 'liked'];
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : null);

export interface GalleryState extends GalleryFilters {
  sort: GallerySort | null;
  page: number;
}

/** Reads the gallery state from a route query. */
export function readGalleryState(query: LocationQuery): GalleryState {
  const sort = str(query.sort);
  return {
    q: str(query.q) ?? '',
    anime: str(query.anime),
    rarity: str(query.rarity),
    channel: str(query.channel),
    mine: query.mine === 'caught' || query.mine === 'missing' ? query.mine : null,
    sort: sort && (SORTS as string[]).includes(sort) ? (sort as GallerySort) : null,
    page: Math.max(1, Math.floor(Number(query.page)) || 1),
  };
}

/** The route query for a gallery state; keys of other features (e.g. ?url=) are kept. */
export function galleryQuery(current: LocationQuery, s: GalleryState): LocationQuery {
  const { q: _q, anime: _a, rarity: _r, channel: _c, mine: _m, sort: _s, page: _p, ...rest } = current;
  const out: LocationQuery = { ...rest };
  if (s.q.trim()) out.q = s.q.trim();
  if (s.anime) out.anime = s.anime;
  if (s.rarity) out.rarity = s.rarity;
  if (s.channel) out.channel = s.channel;
  if (s.mine) out.mine = s.mine;
  if (s.sort) out.sort = s.sort;
  if (s.page > 1) out.page = String(s.page);
  return out;
}

/**
 * The URL is the state (issue 12): query, filters, sort and page live in the address, so reload, Back
 * and shared links agree. Filters, sort and page add a history entry; typing replaces the current one.
 */
export function useGalleryQuery() {
  const route = useRoute();
  const router = useRouter();
  const state = computed(() => readGalleryState(route.query));
  function update(patch: Partial<GalleryState>, opts: { replace?: boolean } = {}) {
    // any change but the page itself starts again at page 1
    const next = { ...state.value, page: 1, ...patch };
    const to = { query: galleryQuery(route.query, next) };
    return opts.replace ? router.replace(to) : router.push(to);
  }
  const linkTo = (patch: Partial<GalleryState>) => ({ query: galleryQuery(route.query, { ...state.value, ...patch }) });
  return { state, update, linkTo };
}
