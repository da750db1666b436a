"""Temporary profiling harness (not committed)."""
import cProfile
import pstats
import time

from tests.support.crm import contact, line, make_deal


def test_profile_lone_invoices(world):
    world.connect_company()
    deals = [make_deal(world, [line("Consulting", "150.00", sku="CONS-H")],
                       contact(world, email=f"p{n}@example.com", first=f"P{n}"))
             for n in range(40)]
    world.execute("create-invoice", "DEAL", deals[0])
    prof = cProfile.Profile()
    times = []
    for d in deals[1:]:
        t = time.perf_counter()
        prof.enable()
        world.execute("create-invoice", "DEAL", d)
        prof.disable()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print("ms p50", times[len(times) // 2], "p95", times[int(len(times) * 0.95)])
    st = pstats.Stats(prof)
    st.sort_stats("cumulative").print_stats(45)
