"""The dashboard's commands: what the command bar, the palette and keys all end in (a mixin
of the App: it uses the app's actions, jobs, tasks and screens)."""

from __future__ import annotations

import os

from textual import work

from aio.widgets.command_bar import CommandBar


class CommandRunner:
    """Runs parsed command-bar commands, task launches, the menu and the log view."""

    # Textual finds this handler by its name (a mixin's @on handlers are not registered).
    async def on_command_bar_submitted(self, event: CommandBar.Submitted) -> None:
        await self.run_command(event.command)

    async def run_command(self, command) -> None:
        """Carry out one parsed command-bar command."""
        from aio.widgets.command_grammar import (
            Attach,
            ClaudeNew,
            Clear,
            Empty,
            Invalid,
            Kill,
            Menu,
            OpenWeb,
            Quit,
            Run,
            ShowLog,
            Todo,
        )

        match command:
            case Empty():
                pass
            case Invalid(message=message, hint=hint):
                self.notify(f"{message}\n{hint}", severity="warning", title="command")
            case Attach(job=ref):
                self._select_job(ref)
                await self.actions.attach(ref)
            case Run(task=name):
                await self.run_task_named(name)
            case Clear(job=ref):
                await self.actions.remove(ref)
            case Kill(job=ref):
                self._select_job(ref)
                await self.actions.kill(ref)
            case ShowLog(job=ref):
                self._select_job(ref)
                self.open_log(ref)
            case OpenWeb(job=ref):
                self._select_job(ref)
                await self.actions.open_web(ref)
            case Todo(text=text):
                await self.todo_actions.run(text)
            case ClaudeNew(prompt=prompt, headless=headless):
                body = {"cwd": os.getcwd(), "headless": headless}
                if prompt:
                    body["prompt"] = prompt
                from aio.screens.claude import start_session

                await start_session(self, body)
                self.switch_mode("claude")
            case Menu():
                self.action_menu()
            case Quit():
                self.exit()

    def _select_job(self, ref: str) -> None:
        """Select the job a command names (by number or name) on the Jobs screen, so the
        next key acts on what is shown."""
        ref = ref.strip().removeprefix("#")
        job_id = int(ref) if ref.isdigit() else None
        if job_id is None:
            named = [j["id"] for j in self.jobs.values() if j["name"] == ref]
            job_id = max(named) if named else None
        select = getattr(self.screen, "select_job", None)
        if job_id is not None and select is not None:
            select(job_id)

    async def run_task_named(self, name: str) -> None:
        found = self.actions.find_task(name)
        if found is None:
            names = ", ".join(t["name"] for t in self.tasks) or "none"
            self.notify(
                f"no task '{name}': give a file path or a menu task ({names})",
                severity="warning",
                title="run",
            )
        elif isinstance(found, str):
            await self.actions.run_path(found)
        else:
            self.launch_tasks([found])

    @work(group="launch")
    async def launch_tasks(self, tasks: list[dict]) -> None:
        """Run tasks, prompting for the variables of those that have them."""
        from aio.screens.menu import VariablesScreen

        for task in tasks:
            values: dict[str, str] | None = {}
            if task.get("variables"):
                values = await self.push_screen_wait(VariablesScreen(task))
            if values is not None:
                await self.actions.run_path(task["path"], values)

    def action_menu(self) -> None:
        from aio.screens.menu import MenuScreen

        def picked(tasks: list[dict] | None) -> None:
            if tasks:
                self.launch_tasks(tasks)

        self.push_screen(MenuScreen(self.tasks), picked)

    @work(group="log")
    async def open_log(self, ref: str) -> None:
        from aio.screens.log_view import LogScreen

        job = await self.actions.find(ref)
        if job is not None:
            await self.push_screen(LogScreen.of_job(job))
