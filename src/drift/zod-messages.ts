// The engine's rule schemas use zod's small build (`zod/mini`): `check` loads it in about 4 ms, the full one in
// about 19. Imported for its effect: the small build's messages in English, as the full build's are.
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());
