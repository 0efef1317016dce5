#!/usr/bin/env python3
# tests/unit/business_time_oracle.py
#
# Independent oracle for the expected values in business_time_test.c.
# It shares no code or method with extension/business_time.c: it walks
# real time one minute at a time, converts each minute to the calendar's
# wall clock with Python's zoneinfo, and asks whether that wall-clock
# date and time lies inside a range that opens on a non-holiday date.
# Every boundary in the cases (range edges, offset changes, arrivals,
# amounts) is a whole minute, so sampling minutes is exact.
#
# Run: python3 tests/unit/business_time_oracle.py
# It prints one line per case: name, then seconds or the UTC result.
#
# Copyright (c) 2026, the leadflow authors

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
MINUTE = timedelta(minutes=1)


def hm(text):
    """'09:30' -> minutes after midnight; '24:00' -> 1440."""
    h, m = text.split(":")
    return int(h) * 60 + int(m)


class Calendar:
    """ranges: list of (iso_weekday, 'HH:MM', 'HH:MM')."""

    def __init__(self, zone, ranges, overnight=False, holidays=()):
        self.zone = ZoneInfo(zone)
        self.ranges = [(w, hm(o), hm(c)) for w, o, c in ranges]
        self.overnight = overnight
        self.holidays = set(holidays)

    def working(self, instant):
        local = instant.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        today = local.date()
        for owner, shift in ((today, 0), (today - timedelta(days=1), 1440)):
            if owner in self.holidays:
                continue
            for w, o, c in self.ranges:
                if w != owner.isoweekday():
                    continue
                end = c if c > o else c + 1440
                if o <= minute + shift < end:
                    return True
        return False

    def seconds(self, start, stop):
        n = 0
        t = start
        while t < stop:
            if self.working(t):
                n += 60
            t += MINUTE
        return n

    def add(self, start, secs):
        assert secs % 60 == 0
        need = secs // 60
        t = start
        while need > 0:
            if self.working(t):
                need -= 1
            t += MINUTE
        return t


def local(zone, y, mo, d, h=0, mi=0, fold=0):
    return datetime(y, mo, d, h, mi, fold=fold,
                    tzinfo=ZoneInfo(zone)).astimezone(UTC)


def utc(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


WEEKDAYS = [1, 2, 3, 4, 5]
BER = "Europe/Berlin"
NYC = "America/New_York"
SAO = "America/Sao_Paulo"
HCM = "Asia/Ho_Chi_Minh"

office = Calendar(BER, [(w, "09:00", "17:00") for w in WEEKDAYS])
office_ny = Calendar(NYC, [(w, "09:00", "17:00") for w in WEEKDAYS])
office_sp = Calendar(SAO, [(w, "09:00", "17:00") for w in WEEKDAYS])
lunch = Calendar(HCM, [(w, "08:00", "12:00") for w in WEEKDAYS] +
                 [(w, "13:00", "17:30") for w in WEEKDAYS] +
                 [(6, "08:00", "12:00")])
night_ber = Calendar(BER, [(7, "01:30", "03:30")])
night_ny = Calendar(NYC, [(7, "00:30", "02:30")])
sp_sun = Calendar(SAO, [(7, "00:00", "02:00")])
sp_sat = Calendar(SAO, [(6, "22:00", "24:00")])
xmas = Calendar(BER, [(w, "09:00", "17:00") for w in WEEKDAYS],
                holidays=[date(2024, 12, 25), date(2024, 12, 26),
                          date(2025, 1, 1), date(2024, 12, 28)])
shift = Calendar(BER, [(w, "22:00", "06:00") for w in WEEKDAYS],
                 overnight=True)
shift_hol = Calendar(BER, [(w, "22:00", "06:00") for w in WEEKDAYS],
                     overnight=True, holidays=[date(2024, 6, 4)])
shift7 = Calendar(BER, [(w, "22:00", "06:00") for w in range(1, 8)],
                  overnight=True)
allday = Calendar(BER, [(w, "00:00", "24:00") for w in range(1, 8)])
allday_hol = Calendar(BER, [(w, "00:00", "24:00") for w in range(1, 8)],
                      holidays=[date(2024, 3, 31)])
quarter = Calendar(BER, [(w, "09:00", "12:00") for w in WEEKDAYS] +
                   [(w, "13:00", "17:00") for w in WEEKDAYS],
                   holidays=[date(2024, 4, 1), date(2024, 5, 1)])

CASES = [
    ("office_weekend_seconds", office.seconds(
        local(BER, 2024, 6, 7, 16), local(BER, 2024, 6, 10, 10))),
    ("office_3_months_no_holiday", office.seconds(
        local(BER, 2024, 2, 1, 12), local(BER, 2024, 5, 1, 12))),
    ("lunch_add_over_weekend", lunch.add(
        local(HCM, 2024, 6, 8, 11, 30), 3 * 3600)),
    ("ber_spring_night", night_ber.seconds(
        utc(2024, 3, 30), utc(2024, 4, 1))),
    ("ber_fall_night", night_ber.seconds(
        utc(2024, 10, 26), utc(2024, 10, 28))),
    ("ber_spring_add_1800", night_ber.add(utc(2024, 3, 30, 12), 1800)),
    ("ber_spring_add_2700", night_ber.add(utc(2024, 3, 30, 12), 2700)),
    ("ber_fall_add_7200", night_ber.add(local(BER, 2024, 10, 27), 7200)),
    ("ber_office_across_spring", office.seconds(
        local(BER, 2024, 3, 29, 12), local(BER, 2024, 4, 1, 12))),
    ("ber_office_across_fall_add", office.add(
        local(BER, 2024, 10, 25, 16), 2 * 3600)),
    ("ny_spring_night", night_ny.seconds(utc(2024, 3, 9), utc(2024, 3, 12))),
    ("ny_fall_night", night_ny.seconds(utc(2024, 11, 2), utc(2024, 11, 5))),
    ("ny_fall_add_3600", night_ny.add(utc(2024, 11, 3, 5), 3600)),
    ("ny_fall_add_5400", night_ny.add(utc(2024, 11, 3, 5), 5400)),
    ("ny_office_across_spring", office_ny.seconds(
        local(NYC, 2024, 3, 8, 16), local(NYC, 2024, 3, 11, 10))),
    ("ny_office_add_across_fall", office_ny.add(
        local(NYC, 2024, 11, 1, 16), 3 * 3600)),
    ("sp_spring_sunday", sp_sun.seconds(utc(2018, 11, 3), utc(2018, 11, 6))),
    ("sp_fall_saturday", sp_sat.seconds(utc(2019, 2, 15), utc(2019, 2, 18))),
    ("sp_fall_add_7200", sp_sat.add(utc(2019, 2, 16, 12), 7200)),
    ("sp_fall_add_9000", sp_sat.add(utc(2019, 2, 16, 12), 9000)),
    ("sp_office_across_spring", office_sp.seconds(
        local(SAO, 2018, 11, 2, 16), local(SAO, 2018, 11, 5, 10))),
    ("xmas_seconds", xmas.seconds(
        local(BER, 2024, 12, 24, 16), local(BER, 2024, 12, 27, 10))),
    ("xmas_new_year_seconds", xmas.seconds(
        local(BER, 2024, 12, 20, 12), local(BER, 2025, 1, 3, 12))),
    ("shift_seconds", shift.seconds(
        local(BER, 2024, 6, 3, 20), local(BER, 2024, 6, 4, 8))),
    ("shift_week", shift.seconds(
        local(BER, 2024, 6, 3), local(BER, 2024, 6, 10))),
    ("shift_hol_week", shift_hol.seconds(
        local(BER, 2024, 6, 3), local(BER, 2024, 6, 10))),
    ("shift_fall_night", shift.seconds(
        local(BER, 2024, 10, 25, 12), local(BER, 2024, 10, 28, 12))),
    ("shift7_fall_night", shift7.seconds(
        local(BER, 2024, 10, 26, 12), local(BER, 2024, 10, 27, 12))),
    ("shift7_spring_night", shift7.seconds(
        local(BER, 2024, 3, 30, 12), local(BER, 2024, 3, 31, 12))),
    ("allday_spring_two_days", allday.seconds(
        utc(2024, 3, 30), utc(2024, 4, 1))),
    ("allday_hol_spring", allday_hol.seconds(
        utc(2024, 3, 30), utc(2024, 4, 1))),
    ("quarter_seconds", quarter.seconds(
        local(BER, 2024, 3, 1, 10), local(BER, 2024, 6, 1, 10))),
    ("quarter_add", quarter.add(local(BER, 2024, 3, 1, 10), 400 * 3600)),
    ("year_office_seconds", office.seconds(
        local(BER, 2024, 1, 1), local(BER, 2025, 1, 1))),
]

if __name__ == "__main__":
    for name, value in CASES:
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%d %H:%M:%S UTC")
        print(f"{name}: {value}")
