// Home page: only the shared chrome and the i18n texts.
import { boot } from './common.js';

boot('home');
