#!/usr/bin/env python3
"""Writes the iTIP answer corpus: REPLY and COUNTER mails shaped as Outlook
(Exchange / Microsoft 365), Gmail (Google Calendar) and Apple Mail (Apple
Calendar) write them. See README.md for where each shape comes from.
Run it from this directory; it overwrites the .eml files."""
import base64

UID_OUTLOOK = "frontdesk-0a1b2c3d4e5f60718293a4b5c6d7e8f9@example.com"
UID_GMAIL = "frontdesk-1b2c3d4e5f60718293a4b5c6d7e8f90a@example.com"
UID_APPLE = "frontdesk-2c3d4e5f60718293a4b5c6d7e8f90a1b@example.com"


def crlf(s):
    return s.strip("\n").replace("\n", "\r\n") + "\r\n"


def fold(line):
    """RFC 5545 §3.1: lines longer than 75 octets are folded with CRLF SPACE."""
    out, b = [], line.encode()
    while len(b) > 75:
        cut = 75 if not out else 74
        while (b[cut] & 0xC0) == 0x80:
            cut -= 1
        out.append(b[:cut].decode())
        b = b[cut:]
    out.append(b.decode())
    return "\r\n ".join(out)


def ics(lines):
    return "".join(fold(l) + "\r\n" for l in lines.strip("\n").split("\n"))


def b64(s):
    e = base64.b64encode(s.encode()).decode()
    return "\r\n".join(e[i:i + 76] for i in range(0, len(e), 76))


OUTLOOK_TZ = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""


def outlook(name, method, subject, partstat, comment, start, end, stamp, extra=""):
    cal = ics(f"""BEGIN:VCALENDAR
METHOD:{method}
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
{OUTLOOK_TZ}
BEGIN:VEVENT
ORGANIZER;CN=Support:mailto:support@example.com
ATTENDEE;PARTSTAT={partstat};CN=Ann Lee:mailto:ann@example.org
COMMENT;LANGUAGE=en-US:{comment}
SUMMARY;LANGUAGE=en-US:{subject}
DTSTART;TZID=W. Europe Standard Time:{start}
DTEND;TZID=W. Europe Standard Time:{end}
UID:{UID_OUTLOOK}
CLASS:PUBLIC
PRIORITY:5
DTSTAMP:{stamp}
TRANSP:OPAQUE
STATUS:CONFIRMED
SEQUENCE:0
LOCATION;LANGUAGE=en-US:Shop\\, Main Street 1
X-MICROSOFT-CDO-APPT-SEQUENCE:0
X-MICROSOFT-CDO-OWNERAPPTID:-1
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY
X-MICROSOFT-CDO-ALLDAYEVENT:FALSE
X-MICROSOFT-CDO-IMPORTANCE:1
X-MICROSOFT-CDO-INSTTYPE:0
X-MICROSOFT-DISALLOW-COUNTER:FALSE
{extra}END:VEVENT
END:VCALENDAR""")
    mail = crlf(f"""Received: from AM0PR07MB1234.eurprd07.prod.outlook.com (2603:10a6:208:1::12)
 by AM0PR07MB5678.eurprd07.prod.outlook.com with HTTPS; Mon, 1 Mar 2027 09:12:45 +0000
From: Ann Lee <ann@example.org>
To: Support <support@example.com>
Subject: {subject}
Thread-Topic: Fitting appointment
Thread-Index: AQHZ8mV3k2T1m0xgYkqk9r7PqB6R5g==
Date: Mon, 1 Mar 2027 09:12:44 +0000
Message-ID: <AM0PR07MB1234{name.upper()}@AM0PR07MB1234.eurprd07.prod.outlook.com>
Accept-Language: en-US
Content-Language: en-US
X-MS-Exchange-Organization-AuthAs: Internal
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
x-ms-publictraffictype: Email
Content-class: urn:content-classes:calendarmessage
MIME-Version: 1.0
Content-Type: multipart/alternative;
\tboundary="_000_AM0PR07MB1234eurprd07prodoutlookcom_"
""")
    body = (f"\r\n--_000_AM0PR07MB1234eurprd07prodoutlookcom_\r\n"
            "Content-Type: text/plain; charset=\"us-ascii\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            f"{comment.replace(chr(92) + 'n', '')}\r\n\r\n"
            "--_000_AM0PR07MB1234eurprd07prodoutlookcom_\r\n"
            f"Content-Type: text/calendar; charset=\"utf-8\"; method={method}\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
            f"{b64(cal)}\r\n\r\n"
            "--_000_AM0PR07MB1234eurprd07prodoutlookcom_--\r\n")
    return mail + body


def gmail(partstat, word, stamp):
    cal = ics(f"""BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:REPLY
BEGIN:VEVENT
DTSTART:20270303T090000Z
DTEND:20270303T100000Z
DTSTAMP:{stamp}
ORGANIZER;CN=Support:mailto:support@example.com
UID:{UID_GMAIL}
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN=Ann Lee;X-NUM-GUESTS=0:mailto:ann@example.org
CREATED:20270301T080000Z
DESCRIPTION:Bring the old frame\\, please.
LAST-MODIFIED:{stamp}
LOCATION:Shop\\, Main Street 1
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Fitting appointment
TRANSP:OPAQUE
END:VEVENT
END:VCALENDAR""")
    subj = f"{word}: Fitting appointment @ Wed 3 Mar 2027 10am - 11am (CET) (support@example.com)"
    text = f"Ann Lee has {word.lower()} this invitation.\r\n\r\nFitting appointment\r\nWednesday 3 March 2027 ⋅ 10am – 11am (Central European Time - Berlin)\r\n"
    html = f"<div>Ann Lee has {word.lower()} this invitation.</div><div>Fitting appointment</div>"
    mail = crlf(f"""Received: by mail-sor-f41.google.com with SMTPS id a640c23a62f3a-6b5c6d8f0a3so1234567ab.2
        for <support@example.com>; Mon, 01 Mar 2027 01:13:02 -0800 (PST)
MIME-Version: 1.0
Sender: Google Calendar <calendar-notification@google.com>
Reply-To: Ann Lee <ann@example.org>
Message-ID: <calendar-5b3c1a2e-7d9f-4e2a-9c1b-{partstat.lower():0<12.12}@google.com>
Date: Mon, 01 Mar 2027 09:13:02 +0000
Subject: {subj}
From: Ann Lee <ann@example.org>
To: support@example.com
Content-Type: multipart/mixed; boundary="000000000000a1b2c3062f0e9d8c"
""")
    alt = "000000000000a1b2c1062f0e9d8a"
    body = ("\r\n--000000000000a1b2c3062f0e9d8c\r\n"
            f"Content-Type: multipart/alternative; boundary=\"{alt}\"\r\n\r\n"
            f"--{alt}\r\nContent-Type: text/plain; charset=\"UTF-8\"; format=flowed; delsp=yes\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + b64(text) + "\r\n"
            f"--{alt}\r\nContent-Type: text/html; charset=\"UTF-8\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + html + "\r\n"
            f"--{alt}\r\nContent-Type: text/calendar; charset=\"UTF-8\"; method=REPLY\r\n"
            "Content-Transfer-Encoding: 7bit\r\n\r\n" + cal + "\r\n"
            f"--{alt}--\r\n"
            "--000000000000a1b2c3062f0e9d8c\r\n"
            "Content-Type: application/ics; name=\"invite.ics\"\r\n"
            "Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + b64(cal) + "\r\n"
            "--000000000000a1b2c3062f0e9d8c--\r\n")
    return mail + body


def apple(partstat, word, stamp):
    cal = ics(f"""BEGIN:VCALENDAR
METHOD:REPLY
VERSION:2.0
PRODID:-//Apple Inc.//macOS 14.4//EN
CALSCALE:GREGORIAN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
DTSTART:19810329T020000
TZNAME:CEST
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
DTSTART:19961027T030000
TZNAME:CET
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
ATTENDEE;CN="Ann Lee";CUTYPE=INDIVIDUAL;EMAIL="ann@example.org";PARTSTAT={partstat}:mailto:ann@example.org
DTEND;TZID=Europe/Berlin:20270303T110000
DTSTAMP:{stamp}
DTSTART;TZID=Europe/Berlin:20270303T100000
ORGANIZER;CN="Support":mailto:support@example.com
REQUEST-STATUS:2.0;Success
SEQUENCE:0
SUMMARY:Fitting appointment
UID:{UID_APPLE}
END:VEVENT
END:VCALENDAR""")
    fname = "iCal-20270301-091310.ics"
    mail = crlf(f"""Return-Path: <ann@example.org>
From: Ann Lee <ann@example.org>
Content-Type: multipart/mixed;
\tboundary="Apple-Mail=_3F2A1B0C-9D8E-4F7A-B6C5-D4E3F2A1B0C9"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.500.171.1.1\\))
Subject: Invitation: Fitting appointment ({word})
Date: Mon, 1 Mar 2027 10:13:10 +0100
Message-Id: <8C1D2E3F-{partstat[:4]}-4B5C-9D0E-1F2A3B4C5D6E@example.org>
To: Support <support@example.com>
X-Mailer: Apple Mail (2.3774.500.171.1.1)
""")
    b = "Apple-Mail=_3F2A1B0C-9D8E-4F7A-B6C5-D4E3F2A1B0C9"
    body = (f"\r\n--{b}\r\nContent-Transfer-Encoding: 7bit\r\nContent-Type: text/plain;\r\n\tcharset=us-ascii\r\n\r\n"
            f"Ann Lee has {word.lower()} your event \"Fitting appointment\".\r\n\r\n"
            f"--{b}\r\nContent-Transfer-Encoding: 7bit\r\nContent-Disposition: attachment;\r\n\tfilename={fname}\r\n"
            f"Content-Type: text/calendar;\r\n\tx-unix-mode=0644;\r\n\tname=\"{fname}\";\r\n\tmethod=REPLY;\r\n\tcharset=utf-8\r\n\r\n"
            + cal + f"\r\n--{b}--\r\n")
    return mail + body


files = {
    "outlook-accepted.eml": outlook("acc", "REPLY", "Accepted: Fitting appointment", "ACCEPTED", "See you then.\\n",
                                    "20270303T100000", "20270303T110000", "20270301T091244Z"),
    "outlook-counter.eml": outlook("ctr", "COUNTER", "New Time Proposed: Fitting appointment", "NEEDS-ACTION",
                                   "Could we make it an hour later?\\n", "20270303T110000", "20270303T120000",
                                   "20270301T101500Z", "X-MS-OLK-PROPOSEDNEWTIME:TRUE\n"),
    "gmail-accepted.eml": gmail("ACCEPTED", "Accepted", "20270301T091302Z"),
    "gmail-declined.eml": gmail("DECLINED", "Declined", "20270301T111302Z"),
    "apple-tentative.eml": apple("TENTATIVE", "Maybe", "20270301T091310Z"),
}
for name, data in files.items():
    with open(name, "w", newline="") as f:
        f.write(data)
