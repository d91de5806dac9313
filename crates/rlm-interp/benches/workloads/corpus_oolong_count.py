# From the shared corpus (/work/shared/corpus/trajectories),
# oolong_synth_idx100_2026-02-15T21-05-04-144Z.jsonl, step 2 (JSON line 3,
# depth 0): the model's program, unchanged below this header. It parses the
# oolong `Date: ... || User: ... || Instance: ... || Label: ...` lines with one
# regex, parses each date with datetime.strptime, filters a date range and
# counts the labels. Context: `corpus_contexts::oolong_messages` in bench.rs.
import re
from datetime import datetime

# Parse all entries from the context
# Each entry follows the pattern: Date: [date] || User: [user] || Instance: [text] || Label: [label]
pattern = r'Date: ([^|]+) \|{2} User: (\d+) \|{2} Instance: ([^|]+) \|{2} Label: (\w+)'
matches = re.findall(pattern, context)

print(f"Total entries found: {len(matches)}")

# Parse dates and labels
data = []
for date_str, user, instance, label in matches:
    date_str = date_str.strip()
    try:
        date = datetime.strptime(date_str, '%b %d, %Y')
        data.append({'date': date, 'user': user, 'instance': instance, 'label': label})
    except:
        print(f"Failed to parse date: {date_str}")

print(f"Successfully parsed entries: {len(data)}")

# Filter for date range: Feb 16, 2023 to Nov 02, 2023 (inclusive)
start_date = datetime(2023, 2, 16)
end_date = datetime(2023, 11, 2)

filtered_data = [d for d in data if start_date <= d['date'] <= end_date]
print(f"Entries in date range: {len(filtered_data)}")

# Count spam and ham
spam_count = sum(1 for d in filtered_data if d['label'] == 'spam')
ham_count = sum(1 for d in filtered_data if d['label'] == 'ham')

print(f"Spam count: {spam_count}")
print(f"Ham count: {ham_count}")

# Determine the answer
if spam_count > ham_count:
    answer = "spam is more common than ham"
elif spam_count < ham_count:
    answer = "spam is less common than ham"
else:
    answer = "spam is same frequency as ham"

print(f"\nAnswer: {answer}")
