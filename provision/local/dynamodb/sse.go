package dynamodb

import (
	"strings"

	"github.com/google/uuid"
)

// Server-side encryption is described, not performed: the store is the
// user's own disk. A table created or updated with SSESpecification
// Enabled answers SSEDescription as DynamoDB does, so tools that compare
// what they asked for with what DescribeTable says (Terraform, CDK) see no
// drift; without it, as on DynamoDB, the table has no SSEDescription (it is
// encrypted with a key AWS owns).

// sseSpecification is the request's SSESpecification.
type sseSpecification struct {
	Enabled        *bool   `json:"Enabled"`
	SSEType        *string `json:"SSEType"`
	KMSMasterKeyId *string `json:"KMSMasterKeyId"`
}

// sseState is a table's stored encryption description. While an update
// runs, Status is UPDATING and the description still shows the key it
// had (none, when encryption is being turned on); Next is where it
// settles, nil to no description at all.
type sseState struct {
	Status          string
	SSEType         string  `json:",omitempty"`
	KMSMasterKeyArn string  `json:",omitempty"`
	Next            *sseKey `json:",omitempty"`
	Disabling       bool    `json:",omitempty"`
}

// sseKey is an encryption type and key.
type sseKey struct {
	SSEType         string
	KMSMasterKeyArn string
}

// check validates the members DynamoDB constrains.
func (spec *sseSpecification) check(c *constraints) {
	if spec != nil {
		c.enum("sSESpecification.sSEType", spec.SSEType, "AES256", "KMS")
		c.stringLength("sSESpecification.kMSMasterKeyId", spec.KMSMasterKeyId, 1, 2048)
	}
}

// enables reports whether a specification turns encryption on: Enabled,
// or, without Enabled, an SSEType (DynamoDB infers the one from the other;
// an empty specification enables nothing).
func (spec *sseSpecification) enables() bool {
	if spec == nil {
		return false
	}
	if spec.Enabled != nil {
		return *spec.Enabled
	}
	return spec.SSEType != nil
}

// validate refuses the combinations DynamoDB refuses, in its words.
func (spec *sseSpecification) validate() error {
	if spec == nil {
		return nil
	}
	const invalid = "One or more parameter values were invalid: "
	switch {
	case spec.Enabled != nil && !*spec.Enabled && spec.SSEType != nil:
		return validation(invalid + "SSEType can not be specified if Enabled is false")
	case spec.Enabled != nil && !*spec.Enabled && spec.KMSMasterKeyId != nil:
		return validation(invalid + "KMSMasterKeyId can not be specified if Enabled is false")
	case spec.SSEType != nil && *spec.SSEType == "AES256":
		return validation(invalid + "SSEType AES256 is not supported")
	case spec.KMSMasterKeyId != nil && spec.SSEType == nil:
		return validation(invalid + "SSEType KMS is required if KMSMasterKeyId is specified")
	}
	return nil
}

// key is the type and key a specification that enables encryption names.
func (s *Service) key(spec *sseSpecification) sseKey {
	return sseKey{SSEType: "KMS", KMSMasterKeyArn: s.kmsKeyArn(spec.KMSMasterKeyId)}
}

// createdSSE is a new table's description: ENABLED at once, or none.
func (s *Service) createdSSE(spec *sseSpecification) *sseState {
	if !spec.enables() {
		return nil
	}
	k := s.key(spec)
	return &sseState{Status: "ENABLED", SSEType: k.SSEType, KMSMasterKeyArn: k.KMSMasterKeyArn}
}

// kmsKeyArn is the ARN of the key a specification names: an ARN as given,
// an alias or a key id in the endpoint's region and account, or DynamoDB's
// AWS-managed key, by default or named by its alias (one per region and
// account, a fixed id here). Another alias is described by its alias ARN:
// there is no KMS to resolve it.
func (s *Service) kmsKeyArn(id *string) string {
	prefix := "arn:aws:kms:" + s.env.Region + ":" + s.env.AccountID + ":"
	switch {
	case id == nil || *id == "" || *id == "alias/aws/dynamodb" || *id == prefix+"alias/aws/dynamodb":
		return prefix + "key/" + uuid.NewSHA1(uuid.NameSpaceURL, []byte(prefix+"alias/aws/dynamodb")).String()
	case strings.HasPrefix(*id, "arn:"):
		return *id
	case strings.HasPrefix(*id, "alias/"):
		return prefix + *id
	}
	return prefix + "key/" + *id
}

// updateSSE applies an UpdateTable's SSESpecification: the description
// turns UPDATING and keeps showing the key it had until the update settles
// into the new key or into none. As on DynamoDB, naming the key in use by
// its ARN, or disabling what is not enabled, is refused as a no-op; naming
// it any other way (no key, its alias, its id) encrypts the table again
// with it. While an update runs, the same update again is taken and any
// other refused.
func (s *Service) updateSSE(m *tableMeta, spec *sseSpecification) error {
	const invalid = "One or more parameter values were invalid: "
	if sseUpdating(m) {
		if spec.enables() != m.SSE.Disabling && (m.SSE.Disabling || *m.SSE.Next == s.key(spec)) {
			return nil
		}
		return stillInUse("Server-Side Encryption is still being updated")
	}
	if !spec.enables() {
		if m.SSE == nil || m.SSE.Disabling {
			return validation(invalid + "Table is already encrypted by default")
		}
		next := *m.SSE
		next.Status, next.Next, next.Disabling = "UPDATING", nil, true
		m.SSE = &next
		return nil
	}
	k := s.key(spec)
	if m.SSE != nil && spec.KMSMasterKeyId != nil && *spec.KMSMasterKeyId == m.SSE.KMSMasterKeyArn {
		return validation(invalid + "Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key")
	}
	next := &sseState{Status: "UPDATING", Next: &k}
	if m.SSE != nil {
		next.SSEType, next.KMSMasterKeyArn = m.SSE.SSEType, m.SSE.KMSMasterKeyArn
	}
	m.SSE = next
	return nil
}

// settleSSE finishes an encryption update.
func settleSSE(m *tableMeta) {
	switch {
	case m.SSE == nil || m.SSE.Status != "UPDATING":
	case m.SSE.Disabling:
		m.SSE = nil
	case m.SSE.Next != nil:
		m.SSE = &sseState{Status: "ENABLED", SSEType: m.SSE.Next.SSEType, KMSMasterKeyArn: m.SSE.Next.KMSMasterKeyArn}
	}
}

// sseUpdating reports whether the table's encryption is being changed.
func sseUpdating(m *tableMeta) bool { return m.SSE != nil && m.SSE.Status == "UPDATING" }

// describeSSE is a table's SSEDescription, or nil.
func describeSSE(m *tableMeta) map[string]any {
	if m.SSE == nil {
		return nil
	}
	d := map[string]any{"Status": m.SSE.Status}
	if m.SSE.KMSMasterKeyArn != "" {
		d["SSEType"], d["KMSMasterKeyArn"] = m.SSE.SSEType, m.SSE.KMSMasterKeyArn
	}
	return d
}
