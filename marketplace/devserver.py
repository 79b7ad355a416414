"""Run the embedded demo: migrate, load demo data once, then web, worker and beat.

``make run`` calls this. With nothing configured it uses the embedded PostgreSQL and
the filesystem broker under ``DATA_DIR``; Ctrl-C stops every process it started.
"""

import os
import signal
import subprocess
import sys
import time


def main() -> int:
    env = {**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1")}
    env.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.base")
    host = env.get("HOST", "127.0.0.1")
    port = env.get("PORT", "8000")
    python = sys.executable
    manage = [python, "manage.py"]

    # Hold a handle on the embedded database for the whole run, so it is not stopped
    # and restarted between the steps below.
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()

    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True)
    subprocess.run([*manage, "seed_demo", "--if-empty"], env=env, check=True)
    processes = [
        subprocess.Popen(
            [
                python,
                "-m",
                "celery",
                "-A",
                "marketplace",
                "worker",
                "--beat",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
            ],
            env=env,
        ),
        subprocess.Popen(
            [*manage, "runserver", f"{host}:{port}", "--noreload"], env=env
        ),
    ]
    print(
        f"\nThe marketplace is at http://{host}:{port}/ (Ctrl-C to stop)\n", flush=True
    )
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
