"""The process as pure logic: policy, severity, deadlines, lifecycle. No Django, no I/O."""
