import { createRouter, createWebHistory } from 'vue-router';
import { useAuth } from './composables/useAuth';
import HomeView from './views/HomeView.vue';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'home', component: HomeView },
    { path: '/c/:id', name: 'character', component: () => import('./views/CharacterView.vue'), props: true },
    { path: '/admin/login', name: 'login', component: () => import('./views/LoginView.vue') },
    {
      path: '/admin',
      component: () => import('./views/admin/AdminLayout.vue'),
      meta: { requiresAdmin: true },
      children: [
        { path: '', name: 'admin', component: () => import('./views/admin/AdminListView.vue') },
        { path: 'characters/:id', name: 'admin-character', component: () => import('./views/admin/AdminEditView.vue'), props: true },
        { path: 'upload', name: 'admin-upload', component: () => import('./views/admin/AdminUploadView.vue') },
        { path: 'sync', name: 'admin-sync', component: () => import('./views/admin/AdminSyncView.vue') },
        { path: 'channels', name: 'admin-channels', component: () => import('./views/admin/AdminChannelsView.vue') },
        { path: 'tokens', name: 'admin-tokens', component: () => import('./views/admin/AdminTokensView.vue') },
        { path: 'bot', name: 'admin-bot', component: () => import('./views/admin/AdminBotView.vue') },
      ],
    },
    { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue') },
  ],
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
});

router.beforeEach(async (to) => {
  const auth = useAuth();
  await auth.restore();
  if (to.matched.some((r) => r.meta.requiresAdmin) && !auth.loggedIn.value) return { name: 'login', query: { next: to.fullPath } };
  if (to.name === 'login' && auth.loggedIn.value) return { name: 'admin' };
  return true;
});
