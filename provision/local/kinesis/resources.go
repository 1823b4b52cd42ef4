package kinesis

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
)

// ARN-addressed operations: TagResource, UntagResource and
// ListTagsForResource (sharing the tags of AddTagsToStream and
// ListTagsForStream) and the resource policy operations.

const resourceARNPattern = `arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+`

var resourceARNRe = regexp.MustCompile(`^` + resourceARNPattern + `$`)

// taggable is a resource named by an ARN: a stream, or (later) one of its
// consumers.
type taggable struct {
	stream *stream
	name   string // the stream's name
}

// validateResourceARN checks a ResourceARN member.
func validateResourceARN(v *validation, arn *string) {
	if arn == nil {
		v.notNull(false, "resourceARN")
		return
	}
	v.length(*arn, "resourceARN", 1, 2048)
	if *arn != "" {
		v.pattern(*arn, "resourceARN", resourceARNPattern, resourceARNRe.MatchString(*arn))
	}
}

// resolveTaggable finds the resource an ARN names, once the ARN passed
// validateResourceARN. A stream ARN is
// arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME and a consumer ARN adds
// /consumer/CNAME:EPOCH.
func (s *Service) resolveTaggable(arn string) (*taggable, *apiError) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return nil, clientErr("InvalidArgumentException", "Invalid ARN: %s", arn)
	}
	region, account, resource := parts[3], parts[4], parts[5]
	_, resource, _ = strings.Cut(resource, "stream/")
	name, consumer, isConsumer := strings.Cut(resource, "/consumer/")
	if isConsumer {
		// Consumers are not kept yet: none can be found.
		consumer, _, _ = strings.Cut(consumer, ":")
		return nil, clientErr("ResourceNotFoundException", "Consumer %s of stream %s under account %s not found.", consumer, name, s.env.AccountID)
	}
	if region != s.env.Region || account != s.env.AccountID {
		return nil, s.streamNotFound(name)
	}
	st := s.lookup(name)
	if st == nil {
		return nil, s.streamNotFound(name)
	}
	return &taggable{stream: st, name: name}, nil
}

// --- TagResource / UntagResource / ListTagsForResource -------------------

type tagResourceInput struct {
	ResourceARN *string           `json:"ResourceARN"`
	Tags        map[string]string `json:"Tags"`
}

func (s *Service) tagResource(c codec, body []byte) (any, *apiError) {
	var in tagResourceInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	validateResourceARN(&v, in.ResourceARN)
	if err := v.err(); err != nil {
		return nil, err
	}
	r, apiErr := s.resolveTaggable(*in.ResourceARN)
	if apiErr != nil {
		return nil, apiErr
	}
	// The stream's tags are those of AddTagsToStream, with its rules.
	b, _ := json.Marshal(addTagsInput{streamRef: streamRef{StreamName: &r.name}, Tags: in.Tags})
	return s.addTagsToStream(codec{}, b)
}

type untagResourceInput struct {
	ResourceARN *string  `json:"ResourceARN"`
	TagKeys     []string `json:"TagKeys"`
}

func (s *Service) untagResource(c codec, body []byte) (any, *apiError) {
	var in untagResourceInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	validateResourceARN(&v, in.ResourceARN)
	if err := v.err(); err != nil {
		return nil, err
	}
	r, apiErr := s.resolveTaggable(*in.ResourceARN)
	if apiErr != nil {
		return nil, apiErr
	}
	b, _ := json.Marshal(removeTagsInput{streamRef: streamRef{StreamName: &r.name}, TagKeys: in.TagKeys})
	return s.removeTagsFromStream(codec{}, b)
}

type resourceARNInput struct {
	ResourceARN *string `json:"ResourceARN"`
}

func (s *Service) listTagsForResource(c codec, body []byte) (any, *apiError) {
	var in resourceARNInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	validateResourceARN(&v, in.ResourceARN)
	if err := v.err(); err != nil {
		return nil, err
	}
	r, apiErr := s.resolveTaggable(*in.ResourceARN)
	if apiErr != nil {
		return nil, apiErr
	}
	st := r.stream
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gone {
		return nil, s.streamNotFound(r.name)
	}
	keys := make([]string, 0, len(st.meta.Tags))
	for k := range st.meta.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tags := make([]tag, len(keys))
	for i, k := range keys {
		tags[i] = tag{k, st.meta.Tags[k]}
	}
	return map[string]any{"Tags": tags}, nil
}

// --- PutResourcePolicy / GetResourcePolicy / DeleteResourcePolicy --------

type putResourcePolicyInput struct {
	ResourceARN *string `json:"ResourceARN"`
	Policy      *string `json:"Policy"`
}

func (s *Service) putResourcePolicy(c codec, body []byte) (any, *apiError) {
	var in putResourcePolicyInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	validateResourceARN(&v, in.ResourceARN)
	v.notNull(in.Policy != nil, "policy")
	if err := v.err(); err != nil {
		return nil, err
	}
	// The policy is kept as given, not evaluated; it must be a JSON object.
	if p := bytes.TrimSpace([]byte(*in.Policy)); len(p) == 0 || p[0] != '{' || !json.Valid(p) {
		return nil, clientErr("InvalidArgumentException", "Policy is not a valid JSON document.")
	}
	r, apiErr := s.resolveTaggable(*in.ResourceARN)
	if apiErr != nil {
		return nil, apiErr
	}
	policy := *in.Policy
	return s.updateMeta(r.stream, func() *apiError {
		r.stream.meta.Policy = policy
		return nil
	})
}

func (s *Service) getResourcePolicy(c codec, body []byte) (any, *apiError) {
	var in resourceARNInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	validateResourceARN(&v, in.ResourceARN)
	if err := v.err(); err != nil {
		return nil, err
	}
	r, apiErr := s.resolveTaggable(*in.ResourceARN)
	if apiErr != nil {
		return nil, apiErr
	}
	st := r.stream
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gone {
		return nil, s.streamNotFound(r.name)
	}
	policy := st.meta.Policy
	if policy == "" {
		policy = "{}"
	}
	return map[string]string{"Policy": policy}, nil
}

func (s *Service) deleteResourcePolicy(c codec, body []byte) (any, *apiError) {
	var in resourceARNInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	validateResourceARN(&v, in.ResourceARN)
	if err := v.err(); err != nil {
		return nil, err
	}
	r, apiErr := s.resolveTaggable(*in.ResourceARN)
	if apiErr != nil {
		return nil, apiErr
	}
	return s.updateMeta(r.stream, func() *apiError {
		if r.stream.meta.Policy == "" {
			return clientErr("ResourceNotFoundException", "No resource policy found for resource ARN %s.", *in.ResourceARN)
		}
		r.stream.meta.Policy = ""
		return nil
	})
}
