package kinesis

import (
	"bytes"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// ARN-addressed operations: TagResource, UntagResource and
// ListTagsForResource (sharing the tags of AddTagsToStream and
// ListTagsForStream) and the resource policy operations.

const resourceARNPattern = `arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+`

var resourceARNRe = regexp.MustCompile(`^` + resourceARNPattern + `$`)

// taggable is a resource named by an ARN: a stream, or one of its
// consumers. Both carry tags and a resource policy.
type taggable struct {
	s        *Service
	stream   *stream
	name     string    // the stream's name
	consumer *consumer // nil when the ARN names the stream
}

// read returns a copy of the resource's tags and its policy.
func (r *taggable) read() (map[string]string, string, *apiError) {
	if r.consumer != nil {
		r.s.cmu.Lock()
		defer r.s.cmu.Unlock()
		if r.consumer.gone {
			return nil, "", r.s.consumerNotFound(r.consumer.meta.Name, r.name)
		}
		return maps.Clone(r.consumer.meta.Tags), r.consumer.meta.Policy, nil
	}
	r.stream.mu.Lock()
	defer r.stream.mu.Unlock()
	if r.stream.gone {
		return nil, "", r.s.streamNotFound(r.name)
	}
	return maps.Clone(r.stream.meta.Tags), r.stream.meta.Policy, nil
}

// update changes the resource's tags or policy under its lock and keeps
// the change in the store.
func (r *taggable) update(change func(tags map[string]string, policy *string) *apiError) (any, *apiError) {
	if r.consumer != nil {
		err := r.s.updateConsumer(r.consumer, func(m *consumerMeta) *apiError {
			if m.Tags == nil {
				m.Tags = map[string]string{}
			}
			return change(m.Tags, &m.Policy)
		})
		if err != nil {
			return nil, err
		}
		return noOutput, nil
	}
	st := r.stream
	return r.s.updateMeta(st, func() *apiError {
		if st.meta.Tags == nil {
			st.meta.Tags = map[string]string{}
		}
		return change(st.meta.Tags, &st.meta.Policy)
	})
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
	partition, region, account, resource := parts[1], parts[3], parts[4], parts[5]
	_, resource, _ = strings.Cut(resource, "stream/")
	name, _, isConsumer := strings.Cut(resource, "/consumer/")
	if partition != "aws" || region != s.env.Region || account != s.env.AccountID {
		// Named as refName names it: the ARN's account, not this one.
		return nil, clientErr("ResourceNotFoundException", "Stream %s under account %s not found.", name, account)
	}
	st := s.lookup(name)
	if st == nil {
		return nil, s.streamNotFound(name)
	}
	r := &taggable{s: s, stream: st, name: name}
	if isConsumer {
		c, apiErr := s.consumerByARN(arn)
		if apiErr != nil {
			return nil, apiErr
		}
		r.consumer = c
	}
	return r, nil
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
	v.notNull(in.Tags != nil, "tags")
	if in.Tags != nil {
		v.tagMap(in.Tags, "tags", 1, maxTagsPerCall)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	r, apiErr := s.resolveTaggable(*in.ResourceARN)
	if apiErr != nil {
		return nil, apiErr
	}
	if e := checkTags(in.Tags, "add tags to", r.name, s.env.AccountID); e != nil {
		return nil, e
	}
	return r.update(func(tags map[string]string, _ *string) *apiError {
		if r.stream != nil && r.consumer == nil {
			if e := s.tagsSettled(r.stream, r.name); e != nil {
				return e
			}
		}
		merged := len(tags)
		for k := range in.Tags {
			if _, ok := tags[k]; !ok {
				merged++
			}
		}
		if merged > maxStreamTags {
			return tooManyTags("add tags to", "resource", *in.ResourceARN, s.env.AccountID)
		}
		maps.Copy(tags, in.Tags)
		return nil
	})
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
	v.notNull(in.TagKeys != nil, "tagKeys")
	if in.TagKeys != nil {
		v.tagKeys(in.TagKeys, "tagKeys")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	r, apiErr := s.resolveTaggable(*in.ResourceARN)
	if apiErr != nil {
		return nil, apiErr
	}
	if e := checkTagChars(in.TagKeys, "remove tags from", r.name, s.env.AccountID); e != nil {
		return nil, e
	}
	return r.update(func(tags map[string]string, _ *string) *apiError {
		if r.stream != nil && r.consumer == nil {
			if e := s.tagsSettled(r.stream, r.name); e != nil {
				return e
			}
		}
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
}

type resourceARNInput struct {
	ResourceARN *string `json:"ResourceARN"`
}

// readResource serves the requests whose only member is a ResourceARN: it
// decodes and validates the request, then reads what the ARN names.
func (s *Service) readResource(c codec, body []byte) (tags map[string]string, policy string, apiErr *apiError) {
	var in resourceARNInput
	if err := c.decode(body, &in); err != nil {
		return nil, "", serializationErr(err)
	}
	var v validation
	validateResourceARN(&v, in.ResourceARN)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	r, apiErr := s.resolveTaggable(*in.ResourceARN)
	if apiErr != nil {
		return nil, "", apiErr
	}
	return r.read()
}

func (s *Service) listTagsForResource(c codec, body []byte) (any, *apiError) {
	current, _, apiErr := s.readResource(c, body)
	if apiErr != nil {
		return nil, apiErr
	}
	keys := slices.Sorted(maps.Keys(current))
	tags := make([]tag, len(keys))
	for i, k := range keys {
		tags[i] = tag{k, current[k]}
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
	return r.update(func(_ map[string]string, policy *string) *apiError {
		*policy = *in.Policy
		return nil
	})
}

func (s *Service) getResourcePolicy(c codec, body []byte) (any, *apiError) {
	_, policy, apiErr := s.readResource(c, body)
	if apiErr != nil {
		return nil, apiErr
	}
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
	return r.update(func(_ map[string]string, policy *string) *apiError {
		if *policy == "" {
			return clientErr("ResourceNotFoundException", "No resource policy found for resource ARN %s.", *in.ResourceARN)
		}
		*policy = ""
		return nil
	})
}
