/**
 * The first screen of GET / as static markup, so a phone paints the gallery from the HTML response alone
 * (issue 12: on slow 4G every further round trip costs ~0.6 s). It copies what the web app renders for an
 * anonymous visitor with no search (App.vue's header, WhoIsThisPanel idle, GalleryView, CharacterCard):
 * same elements, classes and sizes, so nothing moves when the app mounts and replaces it. It carries no
 * data-testid and no handlers: the app's own elements take over (web/e2e/first-paint.spec.ts compares
 * the two layouts, so a change to one without the other fails there).
 */
import { GALLERY_CARD_SIZES, thumbSrcset, type CharacterList } from '@waifudex/core/api/index';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Item = CharacterList['items'][number] & { likes?: number };

/**
 * One card; `inlineThumb` (a data: URI of a tiny placeholder) stands in for the srcset until the app
 * mounts. Cards without one get their picture only when `withPicture`: the others keep the same 3:4 box
 * empty, so that pictures below the fold don't take bandwidth from the app's JS (the app's lazy cards load
 * them once it has mounted).
 */
function card(c: Item, inlineThumb: string | undefined, withPicture: boolean): string {
  const a = c.artwork;
  const fit = a && a.width && a.height && a.width / a.height > 0.9 ? ' thumb-contain' : '';
  let img = '<div class="card-img-top thumb bg-secondary-subtle"></div>';
  if (a && (inlineThumb || withPicture)) {
    const size = a.width && a.height ? ` width="${a.width}" height="${a.height}"` : '';
    const srcset = thumbSrcset(a.thumbs);
    const src = inlineThumb
      ? `src="${inlineThumb}" decoding="sync" data-inline-thumb="${esc(c.id)}"`
      : `src="${esc(a.thumb_url)}"${srcset ? ` srcset="${esc(srcset)}" sizes="${esc(GALLERY_CARD_SIZES)}"` : ''}`;
    img = `<img ${src} alt="" elementtiming="card" class="card-img-top thumb${fit}"${size}>`;
  }
  const badges = [
    c.rarity || c.rarity_emoji
      ? `<span class="badge text-bg-light border">${esc(c.rarity_emoji ?? '')} ${esc(c.rarity ?? '')}</span>`
      : '',
    c.artwork_count > 1
      ? `<span class="badge text-bg-light border" aria-label="${c.artwork_count} artworks">🖼 ${c.artwork_count}</span>`
      : '',
  ].join('');
  const likes = c.likes
    ? `<span class="small text-body-secondary" aria-label="${c.likes} likes">♥ ${c.likes}</span>`
    : '';
  return (
    `<li class="col"><article class="card h-100 shadow-sm"><a href="/c/${encodeURIComponent(c.id)}" class="card-link">${img}` +
    `<div class="card-body p-2 pb-1"><h3 class="h6 card-title mb-1 text-truncate">${esc(c.name ?? 'Unnamed')}</h3>` +
    `<div class="small text-body-secondary text-truncate">${esc(c.anime ?? '—')}</div>` +
    (badges ? `<div class="small mt-1 d-flex flex-wrap gap-1">${badges}</div>` : '') +
    `</div></a><div class="d-flex flex-wrap gap-1 align-items-center px-2 pb-2">${likes}</div></article></li>`
  );
}

const HEADER =
  '<a class="visually-hidden-focusable skip-link" href="#main">Skip to content</a>' +
  '<nav class="navbar navbar-expand bg-body border-bottom mb-3 shadow-sm" aria-label="Main"><div class="container">' +
  '<a href="/" class="navbar-brand fw-semibold brand" aria-current="page">🌸 Waifudex</a>' +
  '<ul class="navbar-nav ms-auto align-items-center gap-2"><li class="nav-item"><a href="/account" class="nav-link">Account</a></li>' +
  '<li class="nav-item"><a href="/admin/login" class="nav-link">Admin login</a></li></ul></div></nav>';

const WHO_IS_THIS =
  '<section class="hero p-3 p-md-4 shadow-sm mb-4" aria-labelledby="who-title"><h1 id="who-title" class="h3 mb-1">Who is this?</h1>' +
  '<p class="text-body-secondary small mb-3"><span class="only-touch">Pick a screenshot or paste one, and get the name to guess.</span>' +
  '<span class="only-mouse">Drop a picture anywhere on the page, paste it (Ctrl+V), pick a file, or give its address.</span></p>' +
  '<div class="d-flex gap-2 align-items-stretch"><button type="button" class="drop-zone flex-grow-1 p-3 text-center" data-early-pick>' +
  '<span class="d-block fw-semibold"><span aria-hidden="true">🖼️ </span><span class="only-touch">Pick a picture</span>' +
  '<span class="only-mouse">Drop a picture here</span></span>' +
  '<span class="d-block small text-body-secondary only-mouse">or click to choose a file</span>' +
  '<span class="d-block small text-body-secondary only-touch">screenshot, photo or saved image</span></button>' +
  '<button type="button" class="btn btn-outline-primary px-3"><span aria-hidden="true">📋</span> Paste </button></div>' +
  '<form class="mt-3" action="/" method="get"><label for="search-url" class="form-label small mb-1">Or an image address</label>' +
  '<div class="input-group input-group-sm"><input id="search-url" name="url" type="url" inputmode="url" class="form-control" placeholder="https://…/picture.jpg">' +
  '<button class="btn btn-primary" type="submit" disabled> Search </button></div></form></section>';

const select = (id: string, label: string, first: string) =>
  `<div class="col-6 col-md-3"><label for="${id}" class="form-label small mb-0">${label}</label>` +
  `<select id="${id}" class="form-select form-select-sm"><option value="">${first}</option></select></div>`;

const GALLERY_HEAD =
  '<div class="d-flex flex-wrap gap-2 mb-2 align-items-center"><h2 id="gallery-title" class="h4 mb-0 me-auto">Gallery</h2>' +
  '<div class="flex-grow-1 gallery-search"><div class="position-relative"><label for="gallery-search" class="visually-hidden">Search by name, anime, rarity, bot id or emoji</label>' +
  '<input id="gallery-search" type="search" class="form-control" placeholder="Name, anime, rarity, id or emoji…" autocomplete="off"></div></div></div>' +
  `<div class="row g-2 mb-3">${select('f-anime', 'Anime', 'All')}${select('f-rarity', 'Rarity', 'All')}${select('f-sort', 'Sort', 'Newest')}</div>`;

/**
 * The markup that goes inside #app; `inlineThumbs` maps character ids to data: URIs of their placeholder;
 * of the others, the first `withPictures` cards show their picture (the ones the page preloads).
 */
export function renderHomeShell(
  page: CharacterList,
  inlineThumbs: ReadonlyMap<string, string>,
  withPictures: number,
): string {
  // An empty gallery shows the app's own "how to fill it" text: leave that to the app.
  if (!page.items.length) return '';
  const total = page.total_is_estimate ? `about ${page.total.toLocaleString('en')}` : String(page.total);
  const cards = page.items.map((c, i) => card(c as Item, inlineThumbs.get(c.id), i < withPictures)).join('');
  return (
    `${HEADER}<main id="main" class="container pb-5" tabindex="-1"><div>${WHO_IS_THIS}` +
    `<section id="gallery" aria-labelledby="gallery-title" class="gallery">${GALLERY_HEAD}` +
    `<p class="small text-body-secondary mb-2">${total} ${page.total === 1 ? 'character' : 'characters'}</p>` +
    `<ul class="row row-cols-2 row-cols-sm-3 row-cols-md-4 row-cols-lg-6 g-3 list-unstyled">${cards}</ul></section></div></main>`
  );
}
