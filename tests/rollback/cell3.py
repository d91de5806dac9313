def make_counter():
    state = {'n': 0}
    def bump():
        state['n'] += 1
        return state['n']
    return bump
bump = make_counter()
bump(); bump()
dq = collections.deque([1, 2, 3], maxlen=5)
nested = [findings, table, [seen]]
