findings.sort(reverse=True)
notes = {'first': findings[0], 'name': name}
shared = table['a']
