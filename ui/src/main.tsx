// Mounts the UI: the patient check-in kiosk in the window labelled "kiosk", the staff
// app everywhere else, both inside the same providers.
import "@mantine/core/styles.css";
// Chart styles after the core ones (Mantine's order); bundled by Vite, no runtime <style>.
import "@mantine/charts/styles.css";
import "./app.css";
import "./i18n";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { isKioskWindow } from "./features/kiosk/kioskWindow";
import { KioskApp } from "./features/kiosk/KioskApp";
import { makeQueryClient, Providers } from "./Providers";

const root = document.getElementById("root");
if (!root) throw new Error("#root missing from index.html");

createRoot(root).render(
  <StrictMode>
    <Providers client={makeQueryClient()}>
      {isKioskWindow() ? <KioskApp /> : <App />}
    </Providers>
  </StrictMode>,
);
