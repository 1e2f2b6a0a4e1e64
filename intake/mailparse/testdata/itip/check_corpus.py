#!/usr/bin/env python3
"""Checks the iTIP answer corpus with Python's own readers: each .eml parses
with the email package (policy=default, no defects), carries at least one
text/calendar or application/ics part, and every such part parses with the
icalendar package as a METHOD:REPLY or COUNTER with one VEVENT, a UID and
one ATTENDEE with a PARTSTAT. Prints one line per file; exits 1 on a
failure. Usage: python3 check_corpus.py [FILE.eml ...] (default: *.eml here)."""
import email
import email.policy
import glob
import os
import sys

import icalendar

ok = True
files = sys.argv[1:] or sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "*.eml")))
for path in files:
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    problems = [repr(d) for p in msg.walk() for d in p.defects]
    found = []
    for part in msg.walk():
        if part.get_content_type() not in ("text/calendar", "application/ics"):
            continue
        cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
        method = str(cal.get("METHOD"))
        events = [c for c in cal.walk("VEVENT")]
        if method not in ("REPLY", "COUNTER") or len(events) != 1:
            problems.append(f"method {method}, {len(events)} VEVENTs")
            continue
        ev = events[0]
        att = ev.get("ATTENDEE")
        if isinstance(att, list):
            problems.append("more than one ATTENDEE")
            continue
        found.append(f"{method} {att.params.get('PARTSTAT')} {ev.get('UID')} {ev.decoded('DTSTART').isoformat()}")
    if not found:
        problems.append("no calendar part")
    name = os.path.basename(path)
    if problems:
        ok = False
        print(f"FAIL {name}: {'; '.join(problems)}")
    else:
        print(f"ok   {name}: {msg['Subject']!s} | {' | '.join(found)}")
sys.exit(0 if ok else 1)
