# The six policies of bench/run.py in Rego, for regopy (the Python binding of rego-cpp).
# Input: the proposal as JSON data (dates as ISO strings, by_year keys as strings).
# Query: data.bench.verdicts, an object {"P1": bool, ..., "P6": bool}.
package bench

import rego.v1

min_co_financing := 0.2

allowed_data_destinations := {"BE", "DE", "FR", "NL", "NO"}

host := input.host_country

country[o.id] := o.country if some o in input.organisations

host_orgs contains o.id if {
	some o in input.organisations
	o.country == host
}

# P1: a host-country organisation leads or co-leads some activity.
default p1 := false

p1 if {
	some a in input.activities
	a.led_by in host_orgs
}

p1 if {
	some a in input.activities
	some q in a.partners
	q in host_orgs
}

# P2: a sunset date exists and is no later than the period end (ISO dates order as text).
default p2 := false

p2 if input.sunset.date <= input.period.end

# P3: host-country sources give at least min_co_financing of all funding.
amount(src) := sum([v | some v in src.by_year])

total := sum([amount(src) | some src in input.funding.sources])

national := sum([amount(src) |
	some src in input.funding.sources
	country[src.from] == host
])

default p3 := false

p3 if national / total >= min_co_financing

# P4: the budget lines cover at least three distinct years.
budget_years := {y |
	some line in input.budget.lines
	some y in object.keys(line.by_year)
}

p4 := count(budget_years) >= 3

# P5: every activity names a mandate.
default p5 := false

p5 if {
	every a in input.activities {
		a.mandate
	}
}

# P6: no personal data flows to a country outside the host and the allowed destinations.
stray_personal_data if {
	some a in input.activities
	some f in a.data_flows
	f.data == "personal"
	to := country[f.to]
	to != host
	not to in allowed_data_destinations
}

default p6 := false

p6 if not stray_personal_data

verdicts := {"P1": p1, "P2": p2, "P3": p3, "P4": p4, "P5": p5, "P6": p6}
