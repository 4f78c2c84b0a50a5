import 'uplot/dist/uPlot.min.css'
import './styles/main.css'

import { createApp } from 'vue'

import App from './App.vue'
import { connectSessionToSockets } from './composables/useSession'
import { router } from './router'

connectSessionToSockets()
createApp(App).use(router).mount('#app')
