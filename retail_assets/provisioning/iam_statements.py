"""One IAM policy statement, the unit every policy document here is built of."""


def statement(sid: str, actions: list[str], resources: list[str], condition: dict | None = None) -> dict:
    """One Allow statement."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": resources,
        **({"Condition": condition} if condition else {}),
    }
