import "@mantine/core/styles.css";
import "./app.css";
import "./i18n";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { makeQueryClient, Providers } from "./Providers";

const root = document.getElementById("root");
if (!root) throw new Error("#root missing from index.html");

createRoot(root).render(
  <StrictMode>
    <Providers client={makeQueryClient()}>
      <App />
    </Providers>
  </StrictMode>,
);
