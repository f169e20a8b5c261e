import { nextTick } from 'vue';
import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router';
import { useAuth } from './composables/useAuth';
import { useVisitor } from './composables/useVisitor';
import HomeView from './views/HomeView.vue';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'home', component: HomeView, meta: { title: 'Who is this? · Waifudex' } },
    {
      path: '/c/:id',
      name: 'character',
      component: () => import('./views/CharacterView.vue'),
      props: true,
      meta: { title: 'Character · Waifudex' },
    },
    {
      path: '/account',
      name: 'account',
      component: () => import('./views/AccountView.vue'),
      meta: { title: 'Your account · Waifudex' },
    },
    {
      path: '/collection',
      name: 'collection',
      component: () => import('./views/CollectionView.vue'),
      meta: { requiresVisitor: true, title: 'My collection · Waifudex' },
    },
    {
      path: '/admin/login',
      name: 'login',
      component: () => import('./views/LoginView.vue'),
      meta: { title: 'Admin login · Waifudex' },
    },
    {
      path: '/admin',
      component: () => import('./views/admin/AdminLayout.vue'),
      meta: { requiresAdmin: true, title: 'Admin · Waifudex' },
      children: [
        { path: '', name: 'admin', component: () => import('./views/admin/AdminListView.vue') },
        {
          path: 'characters/:id',
          name: 'admin-character',
          component: () => import('./views/admin/AdminEditView.vue'),
          props: true,
        },
        { path: 'quality', name: 'admin-quality', component: () => import('./views/admin/AdminQualityView.vue') },
        { path: 'upload', name: 'admin-upload', component: () => import('./views/admin/AdminUploadView.vue') },
        { path: 'sync', name: 'admin-sync', component: () => import('./views/admin/AdminSyncView.vue') },
        { path: 'channels', name: 'admin-channels', component: () => import('./views/admin/AdminChannelsView.vue') },
        { path: 'tokens', name: 'admin-tokens', component: () => import('./views/admin/AdminTokensView.vue') },
        { path: 'settings', name: 'admin-settings', component: () => import('./views/admin/AdminSettingsView.vue') },
        { path: 'bot', name: 'admin-bot', component: () => import('./views/admin/AdminBotView.vue') },
        { path: 'trash', name: 'admin-trash', component: () => import('./views/admin/AdminTrashView.vue') },
        { path: 'visitors', name: 'admin-visitors', component: () => import('./views/admin/AdminVisitorsView.vue') },
        { path: 'webhooks', name: 'admin-webhooks', component: () => import('./views/admin/AdminWebhooksView.vue') },
      ],
    },
    {
      path: '/:pathMatch(.*)*',
      name: 'not-found',
      component: () => import('./views/NotFoundView.vue'),
      meta: { title: 'Not found · Waifudex' },
    },
  ],
  scrollBehavior,
});

/**
 * Back/forward restore the position once the page is tall enough; gallery paging goes to the grid's top once the
 * new page is in; filters keep the place. Restoring and opening a page jump at once, as the browser itself does
 * (the stylesheet's smooth scrolling would animate from the top and land late).
 */
function scrollBehavior(
  to: RouteLocationNormalized,
  from: RouteLocationNormalized,
  saved: { left: number; top: number } | null,
) {
  if (saved) {
    // the gallery must be the one on screen, with its pages in: the page that was left can still be in the DOM
    const galleryIn = () =>
      to.name !== 'home' || !!document.querySelector('[data-testid=gallery-grid]:not([aria-busy=true])');
    return until(() => galleryIn() && document.documentElement.scrollHeight - innerHeight >= saved.top).then((go) =>
      go ? { ...saved, behavior: 'instant' as const } : false,
    );
  }
  if (to.path === from.path) {
    if (to.name === 'home' && (to.query.page ?? '1') !== (from.query.page ?? '1')) {
      const galleryTop = () => (document.getElementById('gallery')?.getBoundingClientRect().top ?? 0) + scrollY - 8;
      return until(
        () =>
          !document.querySelector('[data-testid=gallery-grid][aria-busy=true]') &&
          document.documentElement.scrollHeight - innerHeight >= galleryTop(),
      ).then((go) => (go ? { el: '#gallery', top: 8 } : false));
    }
    return false;
  }
  return { top: 0, behavior: 'instant' as const };
}
/**
 * Resolves true when `ok()` holds (checked every frame), false once the visitor scrolls, taps or types
 * themselves (their place wins), and true after 10 s at the latest: on a slow phone the pages that make the
 * gallery tall enough can take seconds to come back.
 */
function until(ok: () => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const events = ['wheel', 'touchstart', 'keydown'] as const;
    let over = false;
    const moved = () => done(false);
    const done = (v: boolean) => {
      over = true;
      for (const e of events) removeEventListener(e, moved);
      resolve(v);
    };
    for (const e of events) addEventListener(e, moved, { once: true, passive: true });
    const check = () => {
      if (over) return;
      if (ok() || performance.now() - t0 > 10_000) done(true);
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}

router.afterEach((to, from) => {
  // CharacterView sets its own title once it knows the name
  if (typeof to.meta.title === 'string') document.title = to.meta.title;
  if (from.matched.length && to.path !== from.path) void focusMainHeading();
});
/** After navigating to another page, focus moves to its heading (screen readers hear the new page). */
async function focusMainHeading() {
  await nextTick(); // the page that is left is still in the DOM until the next render
  for (let i = 0; i < 40; i++) {
    // a page that asks for its field to be focused (the login form) keeps it
    const field = document.querySelector<HTMLElement>('main [autofocus]');
    if (field) return void field.focus();
    const h = document.querySelector<HTMLElement>('main h1');
    if (h) {
      if (!h.hasAttribute('tabindex')) h.setAttribute('tabindex', '-1');
      h.focus({ preventScroll: true });
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

router.beforeEach(async (to) => {
  const auth = useAuth();
  const visitor = useVisitor();
  // public pages never wait for the sessions (one round trip less before the gallery's first request)
  const needsSession = to.matched.some((r) => r.meta.requiresAdmin) || to.name === 'login';
  const needsVisitor = to.matched.some((r) => r.meta.requiresVisitor);
  await Promise.all([
    needsSession ? auth.restore() : (void auth.restore(), null),
    needsVisitor ? visitor.restore() : (void visitor.restore(), null),
  ]);
  if (needsVisitor && !visitor.signedIn.value) return { name: 'account', query: { next: to.fullPath } };
  if (to.matched.some((r) => r.meta.requiresAdmin) && !auth.loggedIn.value)
    return { name: 'login', query: { next: to.fullPath } };
  if (to.name === 'login' && auth.loggedIn.value) return { name: 'admin' };
  return true;
});
