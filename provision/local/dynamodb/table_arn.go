package dynamodb

import "strings"

// DynamoDB takes a table's ARN wherever a request names a table to use
// (not where it creates one): arn:aws:dynamodb:REGION:ACCOUNT:table/NAME.

// maxTableRef is the longest TableName the service takes, an ARN's length.
const maxTableRef = 1024

// tableARN splits a table ARN; ok is false for anything else, an index's
// or a stream's ARN included.
func tableARN(ref string) (region, account, name string, ok bool) {
	_, region, account, name, ok = tableARNParts(ref)
	return region, account, name, ok
}

// tableARNParts is tableARN with the ARN's partition.
func tableARNParts(ref string) (partition, region, account, name string, ok bool) {
	if !strings.HasPrefix(ref, "arn:") || len(ref) > maxTableRef {
		return "", "", "", "", false
	}
	p := strings.SplitN(ref, ":", 6)
	if len(p) != 6 || p[2] != "dynamodb" {
		return "", "", "", "", false
	}
	name, ok = strings.CutPrefix(p[5], "table/")
	if !ok || !validTableName(name) {
		return "", "", "", "", false
	}
	return p[1], p[3], p[4], name, true
}

// foreignTableARN is how the describing operations (DescribeTable,
// DescribeTimeToLive, DescribeContinuousBackups,
// DescribeContributorInsights) refuse a table ARN of another partition,
// region or account, as DynamoDB was recorded refusing them; nil for a
// name or an ARN of here.
func (s *Service) foreignTableARN(ref string) error {
	partition, region, account, _, ok := tableARNParts(ref)
	switch {
	case !ok:
		return nil
	case partition != "aws":
		return validation("1 validation error detected: Invalid AWS partition in '" + ref + "'")
	case region != s.env.Region:
		return validation("1 validation error detected: Invalid AWS region in '" + ref + "'")
	case account != s.env.AccountID:
		return &apiError{Type: "AccessDeniedException", Msg: "Access is denied"}
	}
	return nil
}

// validTableName reports whether name is a table name DynamoDB takes:
// 3 to 255 of [a-zA-Z0-9_.-].
func validTableName(name string) bool {
	return len(name) >= 3 && len(name) <= 255 && tableNamePattern.MatchString(name)
}

// isTableARN reports whether ref is a well-formed table ARN.
func isTableARN(ref string) bool {
	_, _, _, ok := tableARN(ref)
	return ok
}

// tableName is the name of the table ref names here: ref itself, or the
// name in its ARN; "" (no table) for another region's or account's ARN.
func (s *Service) tableName(ref string) string {
	region, account, name, ok := tableARN(ref)
	if !ok {
		return ref
	}
	if partition, _, _, _, _ := tableARNParts(ref); partition != "aws" || region != s.env.Region || account != s.env.AccountID {
		return ""
	}
	return name
}

// validateTableRef is validateTableName for a table in use: an ARN is
// taken as well as a name, and so an empty name breaks one rule only, as
// the item operations' tableRef has it.
func validateTableRef(ref *string, field string) error {
	var c constraints
	c.tableRef(field, ref)
	return c.err()
}
