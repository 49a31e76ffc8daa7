/**
 * The runs dashboard as a JupyterLab application plugin: the command `lukelab:open-runs-dashboard`
 * ("Open runs dashboard"), in the command palette, the launcher and the file browser's context menu
 * of a folder, opens a RunsDashboard for a folder in the main area. The folder is the command's
 * `path` argument, else the folder selected in the file browser, else the file browser's current
 * folder. Files are read through the server's contents API; no kernel is needed.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette, MainAreaWidget, WidgetTracker } from "@jupyterlab/apputils";
import { IDefaultFileBrowser } from "@jupyterlab/filebrowser";
import { ILauncher } from "@jupyterlab/launcher";
import type { Contents } from "@jupyterlab/services";
import type { Entry, Source } from "./data";
import { RunsDashboard } from "./panel";

export const OPEN_DASHBOARD = "lukelab:open-runs-dashboard";

/** The contents API as the dashboard's Source. */
export function contentsSource(contents: Contents.IManager): Source {
  return {
    async list(path) {
      const model = await contents.get(path, { content: true, type: "directory" });
      return (model.content as Contents.IModel[]).map((m): Entry => ({ name: m.name, path: m.path, type: m.type, modified: m.last_modified, size: m.size }));
    },
    async read(path) {
      const model = await contents.get(path, { content: true, type: "file", format: "text" });
      return model.content as string;
    },
  };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: "lukelab:runs-dashboard",
  description: "A panel with the runs of a folder or sweep: table, status, live while runs train",
  autoStart: true,
  optional: [ICommandPalette, ILauncher, IDefaultFileBrowser],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null, launcher: ILauncher | null, browser: IDefaultFileBrowser | null) => {
    const tracker = new WidgetTracker<MainAreaWidget<RunsDashboard>>({ namespace: "lukelab-runs-dashboard" });
    const source = contentsSource(app.serviceManager.contents);
    // The server's root folder as an absolute path (PageConfig's serverRoot), on JupyterLab's app.
    const serverRoot = (app as unknown as { paths?: JupyterFrontEnd.IPaths }).paths?.directories.serverRoot || undefined;
    const folderFromBrowser = (): string => {
      if (!browser) return "";
      for (const item of browser.selectedItems()) if (item.type === "directory") return item.path;
      return browser.model.path;
    };
    app.commands.addCommand(OPEN_DASHBOARD, {
      label: (args) => (args.path !== undefined ? `Open runs dashboard of ${String(args.path) || "/"}` : "Open runs dashboard"),
      caption: "Show the runs under a folder (a sweep's output folder or any folder of run folders): table, status, live",
      execute: async (args) => {
        const path = typeof args.path === "string" ? args.path.replace(/^\/+|\/+$/g, "") : folderFromBrowser();
        const open = tracker.find((w) => w.content.loader.root === path);
        if (open) {
          app.shell.activateById(open.id);
          return open;
        }
        const content = new RunsDashboard({
          source,
          path,
          intervalMs: typeof args.intervalMs === "number" ? args.intervalMs : undefined,
          serverRoot,
        });
        const widget = new MainAreaWidget({ content });
        widget.id = `${content.id}-area`;
        widget.title.label = content.title.label;
        widget.title.caption = content.title.caption;
        widget.title.closable = true;
        await tracker.add(widget);
        app.shell.add(widget, "main");
        app.shell.activateById(widget.id);
        return widget;
      },
    });
    palette?.addItem({ command: OPEN_DASHBOARD, category: "lukelab" });
    launcher?.add({ command: OPEN_DASHBOARD, category: "Other", rank: 50 });
    app.contextMenu.addItem({ command: OPEN_DASHBOARD, selector: '.jp-DirListing-item[data-isdir="true"]', rank: 60 });
  },
};

export default plugin;
