"""Run one Scrapy command in this process and report what it cost, as JSON.

    python -m bench.measure REPORT.json [--cprofile OUT.prof] -- crawl rfi_cn -O out.jsonl -s ...

The report holds the exit code, the CPU seconds (user + system) and the peak RSS of this process:
VmHWM from /proc/self/status, the high-water mark of the address space that Scrapy ran in (unlike
ru_maxrss, it never carries over the parent's memory from before the exec); and the CPU seconds and
the largest ru_maxrss of the child processes it waited for (worker processes, if the crawler has any).
"""

import json
import resource
import sys
import time


def vm_hwm_kib():
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def main():
    argv = sys.argv[1:]
    report_path = argv.pop(0)
    profile = None
    if argv and argv[0] == "--cprofile":
        profile = argv[1]
        argv = argv[2:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    start = time.perf_counter()
    code = 0
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    try:
        from scrapy.cmdline import execute

        execute(["scrapy", *argv])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes the crawl waited for
        report = {
            "exit_code": code,
            "wall_s": time.perf_counter() - start,
            "cpu_user_s": usage.ru_utime,
            "cpu_sys_s": usage.ru_stime,
            "peak_rss_kib": vm_hwm_kib(),
            "children_cpu_s": children.ru_utime + children.ru_stime,
            "children_peak_rss_kib": children.ru_maxrss,
        }
        with open(report_path, "w", encoding="utf-8") as out:
            json.dump(report, out)
    sys.exit(code)


if __name__ == "__main__":
    main()
