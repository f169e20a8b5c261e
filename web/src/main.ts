import { createApp } from 'vue';
import 'bootstrap/dist/css/bootstrap.min.css';
import './styles/app.css';
import App from './App.vue';
import { router } from './router';
import { registerShareTarget } from './lib/shared-image';

createApp(App).use(router).mount('#app');
registerShareTarget();
