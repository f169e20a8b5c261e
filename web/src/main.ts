import { createApp } from 'vue';
import 'bootstrap/dist/css/bootstrap.min.css';
import './styles/app.css';
import App from './App.vue';
import { router } from './router';
import { registerShareTarget } from './lib/shared-image';
import { keepInlinedThumbs } from './api/initial-data';

// The server may have painted the first screen already (server/src/routes/home-shell.ts): keep its inlined
// thumbnails for the cards, and replace it only once the first route is ready, so it never blanks.
keepInlinedThumbs(document.getElementById('app'));
const app = createApp(App).use(router);
void router.isReady().then(() => app.mount('#app'));
registerShareTarget();
