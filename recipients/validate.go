package recipients

// IDProblem returns why id cannot be a recipient id (empty, too long, not
// UTF-8, a control character in it), or "" when it can: the check every
// reader applies, for records that come from elsewhere (an API request).
func IDProblem(id string) string { return checkID(id) }

// EmailProblem returns why s is not a bare email address a record may
// carry, or "": the check every reader applies.
func EmailProblem(s string) string { return checkEmail(s) }
