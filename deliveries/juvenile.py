"""J-AGE, as the requirements read it: the juvenile safeguards apply to a case when the
candidate is 17 or younger on the day of identification (the eligibility determination)
*or* on the day in question (preparation step or delivery). Turning 18 mid-preparation never
removes a safeguard already owed."""


def juvenile_safeguards_apply(candidate, on_date):
    if candidate.is_juvenile_on(on_date):
        return True
    return candidate.determinations.filter(eligible=True, juvenile=True).exists()
